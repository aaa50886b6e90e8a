/**
 * `syslog` source: UDP and/or TCP listener (127.0.0.1 by default); RFC 3164
 * and RFC 5424 envelopes stripped; newline and octet-counted framing.
 */
import { defineSource } from '../source.js';
import { syslogSourceConfigSchema } from './config.js';
import { SyslogSource } from './syslog-source.js';

export const syslogSource = defineSource({
  name: 'syslog',
  description: 'UDP and/or TCP syslog listener (RFC 3164/5424 envelopes stripped), 127.0.0.1 by default',
  schema: syslogSourceConfigSchema,
  create: (c, ctx) =>
    new SyslogSource({ name: ctx.name, host: c.host, port: c.port, protocol: c.protocol, maxMessage: ctx.maxLineLength, maxConnections: c.max_connections, receiveBufferBytes: c.receive_buffer_bytes, warn: ctx.warn }),
  describe: (c, ctx) =>
    `listen for syslog on ${c.protocol === 'both' ? 'UDP and TCP' : c.protocol.toUpperCase()} ${c.host}:${c.port}, format ${ctx.format}${c.protocol === 'tcp' ? '' : `; UDP receive buffer ${c.receive_buffer_bytes} bytes (bursts beyond it are dropped by the kernel and counted)`}`,
});
