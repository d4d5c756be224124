/** The time, moved every `everyMs`: deadlines pass without any event, so pages tick on their own. */
export class Clock {
  now = $state(Date.now());

  constructor(private readonly everyMs = 1000) {}

  start(): () => void {
    const timer = setInterval(() => (this.now = Date.now()), this.everyMs);
    return () => clearInterval(timer);
  }
}
