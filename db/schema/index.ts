export * from './enums';
export * from './cycles';
