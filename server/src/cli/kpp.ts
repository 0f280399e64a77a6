// The kpp CLI entry point (placeholder until the Foundation work lands).
export {};
