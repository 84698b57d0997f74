package dev.ferry.node.server;

import dev.ferry.log.ConfigException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A voter of the metadata Raft group, as listed in {@code controller.voters}: {@code id@host:port}.
 *
 * @param id the node id (its Ratis peer id is {@code Integer.toString(id)})
 * @param host the host its controller port is reached on
 * @param port the controller port
 */
public record ControllerVoter(int id, String host, int port) {
    /** A metadata group of 1 (development), 3 or 5 voters; an even count adds no fault tolerance. */
    private static final Set<Integer> VOTER_COUNTS = Set.of(1, 3, 5);
    private static final String FORMAT = "expected 1, 3 or 5 entries id@host:port separated by commas, "
        + "with distinct ids and addresses, e.g. 1@ferry-1:9094,2@ferry-2:9094,3@ferry-3:9094";

    /** @return host:port (IPv6 hosts in brackets) */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** @return the voter's Ratis peer id */
    public String peerId() {
        return Integer.toString(id);
    }

    @Override
    public String toString() {
        return id + "@" + address();
    }

    /**
     * @param key the key, for messages
     * @param raw {@code id@host:port,id@host:port,...}
     * @return the voters, in the order listed
     * @throws ConfigException naming the key, the value and the expected format
     */
    static List<ControllerVoter> parseList(final String key, final String raw) {
        final List<ControllerVoter> voters = new ArrayList<>();
        final Set<Integer> ids = new HashSet<>();
        final Set<String> addresses = new HashSet<>();
        for (final String part : raw.split(",", -1)) {
            final ControllerVoter v = parseOne(key, raw, part.trim());
            if (!ids.add(v.id())) {
                throw ConfigKey.invalid(key, raw, "listing node id " + v.id() + " twice; " + FORMAT);
            }
            if (!addresses.add(v.address())) {
                throw ConfigKey.invalid(key, raw, "listing address " + v.address() + " twice; " + FORMAT);
            }
            voters.add(v);
        }
        if (!VOTER_COUNTS.contains(voters.size())) {
            throw ConfigKey.invalid(key, raw, "a list of " + voters.size() + " voters; " + FORMAT);
        }
        return List.copyOf(voters);
    }

    private static ControllerVoter parseOne(final String key, final String raw, final String entry) {
        final int at = entry.indexOf('@');
        final int colon = entry.lastIndexOf(':');
        if (at <= 0 || colon <= at + 1 || colon == entry.length() - 1) {
            throw ConfigKey.invalid(key, raw, "malformed at entry \"" + entry + "\"; " + FORMAT);
        }
        String host = entry.substring(at + 1, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '@' || c == '/')) {
            throw ConfigKey.invalid(key, raw, "malformed at entry \"" + entry + "\" (bad host); " + FORMAT);
        }
        final int id;
        final int port;
        try {
            id = Integer.parseInt(entry.substring(0, at));
            port = Integer.parseInt(entry.substring(colon + 1));
        } catch (final NumberFormatException e) {
            throw ConfigKey.invalid(key, raw, "malformed at entry \"" + entry + "\" (id and port are integers); "
                + FORMAT);
        }
        if (id < 0) {
            throw ConfigKey.invalid(key, raw, "malformed at entry \"" + entry + "\" (node ids are >= 0); " + FORMAT);
        }
        if (port < 1 || port > 65535) {
            throw ConfigKey.invalid(key, raw, "malformed at entry \"" + entry + "\" (port must be in [1, 65535]); "
                + FORMAT);
        }
        return new ControllerVoter(id, host, port);
    }
}
