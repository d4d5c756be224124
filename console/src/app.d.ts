// See https://svelte.dev/docs/kit/types#app.d.ts
import type { ErrorCode } from '../../domain/errors';

declare global {
  namespace App {
    interface Error {
      message: string;
      /** The API's error code when the error came from it. */
      code?: ErrorCode | 'network';
    }
  }
}

export {};
