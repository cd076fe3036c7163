// The kernel's captured builtins moved to primordials.ts; this name stays for modules that still
// import it.
export * from './primordials.ts';
