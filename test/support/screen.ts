// Reading an ink screen in tests (ink-testing-library's lastFrame, or a fake terminal's output).

export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Resolves with the screen's text once `predicate` holds; throws with the screen after 100 s. */
export async function until(
  frame: () => string | undefined,
  predicate: (text: string) => boolean,
): Promise<string> {
  // (Long: it returns as soon as the screen shows it; the deadline only says what it showed when a
  // test is wrong. 8 s was too short for a migration of 200,000 instances under three npm tests.)
  const deadline = Date.now() + 100_000;
  while (Date.now() < deadline) {
    const text = stripAnsi(frame() ?? '');
    if (predicate(text)) return text;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the screen never showed it; screen:\n' + stripAnsi(frame() ?? '').slice(-2500));
}
