// Every command the extension registers. Other features add theirs to this list.
import type { ClientCommand } from './commandRegistry';
import { showGeneratedRulesCommand } from './generatedRulesDocument';
import { showReferencesCommand } from './showReferences';

export const clientCommands: ClientCommand[] = [
  showReferencesCommand,
  showGeneratedRulesCommand,
];
