// The trace panel's script (placeholder until the webview work lands).
export {};
