/**
 * The Content-Security-Policy every host serves the renderer with (the renderer's index.html
 * carries the same policy in a meta tag). Scripts come only from the app itself; nothing remote
 * is ever loaded. Inline styles are allowed because the component library sets CSS variables.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
