export * from './matchesSelector';
