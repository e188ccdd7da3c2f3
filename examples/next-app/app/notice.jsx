'use client';
// A flash message from the session, shown once: the page peeks at it (a server component cannot
// consume it) and this component consumes it through a server action as soon as it is on screen.
import { useEffect, useState } from 'react';

export function Notice({ text, dismiss }) {
  // Kept in state: a later render of the page no longer has the flash, the message stays put.
  const [message] = useState(text);
  const [dismissed, setDismissed] = useState(false);
  useEffect(() => {
    dismiss().then(() => setDismissed(true));
  }, [dismiss]);
  return (
    <p className="notice" id="notice" role="status" data-consumed={String(dismissed)}>
      {message}
    </p>
  );
}
