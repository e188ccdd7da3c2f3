// NEXT_DIST_DIR lets the end-to-end test build into its own throwaway folder, so a test run never
// overwrites (or reuses) the .next folder of an app you started yourself.
/** @type {import('next').NextConfig} */
export default {
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
};
