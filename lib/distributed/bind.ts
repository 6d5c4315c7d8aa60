/**
 * Which local address Gloo binds to when GLOO_SOCKET_IFNAME is not set. @internal
 *
 * PyTorch binds to the address this host's name resolves to. Where the name maps to a loopback
 * address (the usual /etc/hosts `127.0.1.1 myhost` of Debian/Ubuntu, or containers), that is
 * 127.x: each rank then publishes an address that peers on other machines cannot reach, and the
 * rendezvous waits until its timeout (PyTorch 2.x warns "Unable to resolve hostname to a (local)
 * address"). There, torchnode binds to the address the machine uses to reach the master instead.
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';

/** Whether `host` names this machine's loopback interface. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The source address of this machine's route to `host` (a connected UDP socket sends nothing), or null. */
export function routeAddress(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    // An IPv6 literal has colons; names and IPv4 addresses do not (node:net's isIP would load net at import).
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const done = (addr: string | null) => {
      sock.close();
      resolve(addr);
    };
    sock.on('error', () => done(null));
    sock.connect(port, host, () => {
      try {
        done(sock.address().address);
      } catch {
        done(null);
      }
    });
  });
}

/**
 * The `deviceHost` for a Gloo group whose master is `host:port` (undefined: PyTorch's default, the
 * host name's address): 127.0.0.1 or ::1 for a loopback master; the address that routes to the
 * master when the host name resolves to a loopback address or not at all.
 */
export async function glooDeviceHost(host: string, port: number): Promise<string | undefined> {
  if (isLoopback(host)) return host === '::1' ? '::1' : '127.0.0.1';
  let own: string | null;
  try {
    own = (await lookup(hostname())).address;
  } catch {
    own = null;
  }
  if (own !== null && !isLoopback(own)) return undefined;
  const routed = await routeAddress(host, port);
  return routed !== null && !isLoopback(routed) && routed !== '0.0.0.0' && routed !== '::' ? routed : undefined;
}
