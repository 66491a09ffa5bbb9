/**
 * How long a wait that ends on its event (a row, a message, an element on the page) may go on before
 * the test gives up: set for a machine several times slower than a quiet one, with the other suite
 * files running beside it. A green run ends at the event, so the bound costs nothing; a tight one
 * only turns a slow machine into a red run.
 */
export const EVENT_BOUND_MS = 90_000;
