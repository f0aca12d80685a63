import net from 'node:net';

/**
 * Tests talk to 127.0.0.1 only: the fake Telegram, the fake Discord, ganache, the bot's own web server. Any socket
 * opened to another host fails the test that opened it, so no test can quietly depend on the network.
 */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  // net.connect() hands over its arguments already normalised, as an array whose first item is the options.
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  const host = typeof first === 'object' && first !== null ? (first as { host?: string; path?: string }) : typeof args[1] === 'string' ? { host: args[1] } : {};
  if (!('path' in host && host.path) && host.host !== undefined && !LOOPBACK.has(host.host))
    throw new Error(`a test tried to reach ${host.host}: tests may only reach 127.0.0.1`);
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
