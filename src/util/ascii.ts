/**
 * Character codes the byte scanners compare against (the same in ASCII,
 * latin1 and UTF-8), named once. LF is written NL where lines are split.
 */
export const NL = 10;
export const CR = 13;
export const SPACE = 32;
export const QUOTE = 34;
export const PERCENT = 37;
export const PLUS = 43;
export const COMMA = 44;
export const MINUS = 45;
export const DOT = 46;
export const SLASH = 47;
export const ZERO = 48;
export const NINE = 57;
export const COLON = 58;
export const LT = 60;
export const EQUALS = 61;
export const AT = 64;
export const LBRACKET = 91;
export const BACKSLASH = 92;
export const RBRACKET = 93;
