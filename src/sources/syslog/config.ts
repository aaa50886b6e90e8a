/** The `syslog` source's config, beside the source. */
import { z } from 'zod';
import { componentNameSchema } from '../../util/schema.js';

export const syslogSourceConfigSchema = z.strictObject({
  type: z.literal('syslog'),
  name: componentNameSchema.optional(),
  /** Address to listen on; keep it on loopback unless the network between is trusted. */
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port (tests). */
  port: z.int().min(0).max(65_535),
  /** udp (nginx sends only UDP), tcp, or both on the same port. */
  protocol: z.enum(['udp', 'tcp', 'both']).default('udp'),
  /** A format from `formats:` or auto; default input.format. */
  format: z.string().optional(),
  /** Most TCP connections at once. */
  max_connections: z.int().min(1).max(10_000).default(64),
  /**
   * The UDP socket's receive buffer, in bytes: what the kernel holds while a
   * burst arrives faster than gallra takes datagrams out; past it the kernel
   * drops them (counted as receive_buffer). Size it as peak rate × bytes per
   * datagram (about 1 KiB of kernel memory each) × the longest pause, e.g.
   * 20,000/s × 1 KiB × 0.5 s ≈ 10 MiB. The kernel caps it at
   * net.core.rmem_max (raise that with sysctl).
   */
  receive_buffer_bytes: z.int().min(64 * 1024).max(1024 * 1024 * 1024).default(4 * 1024 * 1024),
});
export type SyslogSourceConfig = z.infer<typeof syslogSourceConfigSchema>;

