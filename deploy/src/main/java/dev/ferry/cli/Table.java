package dev.ferry.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A table printed as left-aligned columns separated by two spaces, headers in upper case, as rpk prints; the
 * widths come from the widest cell, so the rows are buffered until {@link #print}. Not thread-safe.
 */
public final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    /** @param headers the column headers */
    public Table(final String... headers) {
        this.columns = headers.length;
        rows.add(headers.clone());
    }

    /**
     * @param cells one value per column (printed with String.valueOf; null as "-")
     * @return this table
     */
    public Table row(final Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, the table " + columns);
        }
        final String[] row = new String[columns];
        for (int i = 0; i < columns; i++) {
            row[i] = cells[i] == null ? "-" : String.valueOf(cells[i]);
        }
        rows.add(row);
        return this;
    }

    /** @param out where to print the header and every row */
    public void print(final PrintWriter out) {
        final int[] widths = new int[columns];
        for (final String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        final StringBuilder line = new StringBuilder();
        for (final String[] row : rows) {
            line.setLength(0);
            for (int i = 0; i < columns; i++) {
                line.append(row[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.println(line);
        }
        out.flush();
    }
}
