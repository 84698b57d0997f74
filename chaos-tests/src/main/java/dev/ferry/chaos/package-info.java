/**
 * Chaos tests: Testcontainers clusters under faults and a checker for lost or duplicated data (issue 7). Empty
 * until that issue lands.
 */
package dev.ferry.chaos;
