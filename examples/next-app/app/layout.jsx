import './globals.css';

export const metadata = {
  title: 'Next.js sessions · sessionkit',
  description: 'sessionkit example: App Router sessions with sign-in, a cart and sign out everywhere.',
};

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
