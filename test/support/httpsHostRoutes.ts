import https from "node:https";
import { connect, type Socket } from "node:net";

/**
 * Sends the app's TLS connections to the named hosts (port 443) to loopback listeners instead, as plain HTTP: the
 * stand-in for DNS and TLS in front of the ACS simulator, so that an event can keep its published URLs
 * (`https://storage.asm.skype.com/...`) byte for byte. Only the socket is redirected: the request line, Host header
 * and signature are the app's own, and the app's host allowlist still decides whether a request is made at all.
 * Returns the function that undoes it. A test's process only; the app is never told.
 */
export function routeHttpsHosts(routes: Readonly<Record<string, string>>): () => void {
  const prototype = https.Agent.prototype as unknown as {
    createConnection: (options: { host?: string; port?: number | string }, callback?: unknown) => Socket;
  };
  const original = prototype.createConnection;
  prototype.createConnection = function (this: unknown, options, callback) {
    const target = options.host === undefined ? undefined : routes[options.host.toLowerCase()];
    if (target === undefined || Number(options.port ?? 443) !== 443) return original.call(this, options, callback);
    const url = new URL(target);
    return connect({ host: url.hostname, port: Number(url.port) });
  };
  return () => {
    prototype.createConnection = original;
  };
}
