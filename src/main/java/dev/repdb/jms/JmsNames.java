package dev.repdb.jms;

import java.util.regex.Pattern;

/**
 * Broker destination names of one replication group. Every name starts with the group name, so several groups can
 * share a broker: {@code <group>.site.<envId>} (one queue per site) and {@code <group>.broadcast} (one topic).
 * Immutable and thread-safe.
 *
 * @param group the group name: dot-separated words of letters, digits, {@code _} and {@code -} (no broker wildcards)
 */
public record JmsNames(String group) {
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

    public JmsNames {
        if (group == null || !GROUP.matcher(group).matches()) {
            throw new IllegalArgumentException("not a valid group name (dot-separated words of letters, digits, "
                    + "'_' and '-'): '" + group + "'");
        }
    }

    /** The queue of site {@code envId}: {@code <group>.site.<envId>}. */
    public String siteQueue(int envId) {
        if (envId < 0) {
            throw new IllegalArgumentException("a site id is not negative: " + envId);
        }
        return group + ".site." + envId;
    }

    /** The broadcast topic: {@code <group>.broadcast}. */
    public String broadcastTopic() {
        return group + ".broadcast";
    }

    /** The selector of site {@code ownId}'s broadcast subscription: every sender but itself. */
    public static String broadcastSelector(int ownId) {
        return JmsMessageCodec.SENDER + " <> " + ownId;
    }
}
