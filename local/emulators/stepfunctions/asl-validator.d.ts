declare module 'asl-validator' {
  interface ValidationError {
    readonly 'Error code': string;
    readonly Message: string;
  }

  /** Checks an Amazon States Language definition; it writes a QueryLanguage into every state. */
  export default function validator(definition: unknown): {
    readonly isValid: boolean;
    readonly errors: readonly ValidationError[];
  };
}
