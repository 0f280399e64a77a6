// Every command the extension registers. Other features add theirs to this list.
import type { ClientCommand } from './commandRegistry';
import { showReferencesCommand } from './showReferences';

export const clientCommands: ClientCommand[] = [
  showReferencesCommand,
];
