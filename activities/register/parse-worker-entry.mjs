// Plain JavaScript entry of the parser thread: it gives the thread tsx's TypeScript loader first.
import { register } from 'tsx/esm/api';

register();
await import('./parse-worker.ts');
