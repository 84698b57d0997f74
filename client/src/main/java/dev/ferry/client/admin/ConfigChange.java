package dev.ferry.client.admin;

/**
 * One change to a topic's settings: set an override, or delete it (back to the default).
 *
 * @param name the key
 * @param value the new value; ignored for a delete
 * @param delete true to remove the override
 */
public record ConfigChange(String name, String value, boolean delete) {
    /** Validates the key. */
    public ConfigChange {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("config name must not be empty");
        }
        if (!delete && value == null) {
            throw new IllegalArgumentException("config " + name + ": a set needs a value");
        }
    }

    /**
     * @param name the key
     * @param value the value
     * @return a change setting the override
     */
    public static ConfigChange set(final String name, final String value) {
        return new ConfigChange(name, value, false);
    }

    /**
     * @param name the key
     * @return a change removing the override
     */
    public static ConfigChange delete(final String name) {
        return new ConfigChange(name, "", true);
    }
}
