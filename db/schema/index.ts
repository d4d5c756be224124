export * from './enums';
export * from './cycles';
export * from './auth';
export * from './audit';
export * from './register';
export * from './targeting';
