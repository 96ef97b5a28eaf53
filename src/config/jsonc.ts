import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { ConfigError } from '../errors.ts';
import { setOwn } from '../ownKeys.ts';

/**
 * JSON with comments (`//`, `/* *\/`) and trailing commas, as editors write `.jsonc` and tsconfig-style
 * files: a starter config can explain itself. Syntax errors name the line and column. Built from the
 * syntax tree with own properties, because jsonc-parser's own `parse` assigns keys, so a `"__proto__"`
 * key would replace the object's prototype instead of reaching the skill as JSON.parse lets it.
 */
export function parseJsonc(text: string, source: string): unknown {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || tree === undefined) {
    // The first error only: the parser's recovery makes the ones after it mostly echoes of it.
    const [first] = errors;
    const message = first === undefined ? 'is empty: expected a JSON object' : `${at(text, first.offset)}: ${describe(first.error)}`;
    throw new ConfigError(source, [{ path: '(file)', message }]);
  }
  return valueOf(tree);
}

function valueOf(node: Node): unknown {
  if (node.type === 'object') {
    const object: Record<string, unknown> = {};
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? [];
      if (key !== undefined && value !== undefined) setOwn(object, String(key.value), valueOf(value));
    }
    return object;
  }
  if (node.type === 'array') return (node.children ?? []).map(valueOf);
  return node.value as unknown;
}

/** `line 3, column 7` (both from 1) of a character offset. */
function at(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `line ${line}, column ${column}`;
}

/** By jsonc-parser's error names (its codes are a const enum, which this build cannot import). */
const messages: Record<string, string> = {
  InvalidSymbol: 'unexpected character (not valid JSON here)',
  InvalidNumberFormat: 'not a valid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the property name',
  CommaExpected: 'expected "," between entries',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the list',
  EndOfFileExpected: 'expected the end of the file after the top-level value',
  InvalidCommentToken: 'not a valid comment',
  UnexpectedEndOfComment: 'a /* comment is never closed',
  UnexpectedEndOfString: 'a string is never closed',
  UnexpectedEndOfNumber: 'a number ends too early',
  InvalidUnicode: 'not a valid \\u escape',
  InvalidEscapeCharacter: 'not a valid escape character',
  InvalidCharacter: 'a character that must be escaped in a string',
};

const describe = (code: number) => {
  const name = printParseErrorCode(code);
  return `not valid JSON: ${Object.hasOwn(messages, name) ? messages[name] : name}`;
};
