package dev.ferry.cli;

/** How a command prints its result: aligned tables for people, or JSON for scripts ({@code --format json}). */
public enum OutputFormat {
    /** Aligned columns with upper-case headers, as rpk prints. */
    text,
    /** One JSON document on stdout. */
    json
}
