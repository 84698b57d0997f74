/** Long-poll fetches: requests parked until a high watermark moves or their wait runs out. */
package dev.ferry.node.fetch;
