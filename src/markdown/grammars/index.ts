// TextMate grammars for the config block languages, registered with Shiki (via Expressive Code).
import main from './postfix-main.tmLanguage.json' with { type: 'json' };
import master from './postfix-master.tmLanguage.json' with { type: 'json' };
import policy from './postfix-policy.tmLanguage.json' with { type: 'json' };

export const postfixGrammars = [main, master, policy];

/** The fenced-code languages whose blocks the engine checks, mapped to the file kind. */
export const configBlockKinds = { 'postfix-main': 'main', 'postfix-master': 'master', 'postfix-policy': 'policy' } as const;
