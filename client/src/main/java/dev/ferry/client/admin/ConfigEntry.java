package dev.ferry.client.admin;

/**
 * One setting of a topic.
 *
 * @param name the key, e.g. retention.ms
 * @param value the value in force
 * @param isDefault true when no override is set
 * @param readOnly true when it cannot be altered
 * @param documentation what it means, when the node says
 */
public record ConfigEntry(String name, String value, boolean isDefault, boolean readOnly, String documentation) {
}
