// The language server entry point (placeholder until the Foundation work lands).
export {};
