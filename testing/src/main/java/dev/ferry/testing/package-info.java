/** Ferry for users' tests: an embedded cluster in the test's JVM, as a JUnit 5 extension. */
package dev.ferry.testing;
