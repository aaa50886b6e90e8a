/**
 * Luhn (mod 10) check over the ASCII digits of `s` at the given positions —
 * payment card numbers and Swedish personal identity numbers both use it.
 * Takes the digits' code units directly so callers need not build a string.
 *
 * @example
 * luhnValid([...'4111111111111111'].map((c) => c.charCodeAt(0))) // true
 */
export function luhnValid(digits: ArrayLike<number>, from = 0, to = digits.length): boolean {
  let sum = 0;
  let double = false;
  for (let i = to - 1; i >= from; i--) {
    let d = digits[i]! - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
