package dev.ferry.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * Free TCP ports for test clusters on 127.0.0.1. Every probe socket is held until all ports are picked: closing
 * each at once let the kernel hand the same port out twice, and Ratis ends the JVM when its gRPC server cannot
 * bind.
 */
public final class FreePorts {
    private FreePorts() {
    }

    /**
     * @param count how many ports
     * @return distinct ports that were free a moment ago
     */
    public static int[] pick(final int count) {
        final int[] ports = new int[count];
        final ServerSocket[] probes = new ServerSocket[count];
        try {
            for (int i = 0; i < count; i++) {
                probes[i] = new ServerSocket(0);
                ports[i] = probes[i].getLocalPort();
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (final ServerSocket probe : probes) {
                if (probe != null) {
                    try {
                        probe.close();
                    } catch (final IOException ignored) {
                        // the port is released either way
                    }
                }
            }
        }
        return ports;
    }
}
