/** iptables-save output for a complete node: one front door for callers (CLI, hover, virtual document). */
export { completeNodeRuleset, formatEnsuredJump, KUBE_PROXY_JUMP_CHAINS, KUBELET_JUMP_CHAINS, CANARY_CHAIN } from './completeNodeRuleset';
export type { CompleteNodeOptions, EnsuredJump } from './completeNodeRuleset';
export { formatSave, withoutSaveComments, formatCtime, NFT_TABLE_ORDER } from './formatSave';
export type { SaveFlavour, FormatSaveOptions, FormatSaveResult } from './formatSave';
export { formatSaveRuleLine } from './formatSaveRuleLine';
export type { FormatSaveRuleLineOptions, FormatSaveRuleLineResult } from './formatSaveRuleLine';
export { renderRuleSpec } from './renderRule';
export type { RenderedRule, RuleEnv } from './renderRule';
export { formatKernelProbability, formatKernelUnits, probabilityToKernelUnits, parseProbability } from './probability';
export { markTargetToXmark, formatXmark, formatMarkMatch, parseMarkMask } from './marks';
