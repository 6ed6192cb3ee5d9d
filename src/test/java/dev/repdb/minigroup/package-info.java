/**
 * The group test harness: {@link dev.repdb.minigroup.MiniGroup} (a group of sites whatever carries their
 * messages, with drop/delay/partition hooks), {@link dev.repdb.minigroup.RepdbTestBase} (per-test timeout and
 * directory, background failures) and the behaviour suites ({@code *Tests}, abstract), which run once per binding:
 * the simulation ({@code dev.repdb.sim.*TestsWithSimulation}), JMS on a real Artemis broker
 * ({@code dev.repdb.jms.*TestsWithJms}) and the application servers ({@code dev.repdb.it.MiniGroupWithServers}).
 *
 * <p>Test code only. Uses the public API, {@code dev.repdb.rep} and {@code dev.repdb.rep.wire} (to recognise
 * message types in fault hooks); it knows no binding: bindings live beside what they bind.
 */
package dev.repdb.minigroup;
