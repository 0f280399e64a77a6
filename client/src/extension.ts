// The VS Code extension entry point (placeholder until the Foundation work lands).
export function activate(): void {}
export function deactivate(): void {}
