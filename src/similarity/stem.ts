/**
 * A deliberately light English stemmer: plurals, -ing, -ed and a trailing -e, so that "fails",
 * "failed", "failing" and "fail" (or "configure"/"configured") meet. Full Porter stemming
 * conflates too aggressively for short technical titles ("general"/"generate"), and the
 * measured gain over this on the Hadoop duplicates was nil (see bench/similarity.ts).
 */
export function lightStem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(?:ch|sh|x|zz)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);

  if (w.endsWith('ied') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('ing') && w.length > 5 && /[aeiouy]/.test(w.slice(0, -3))) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length > 4 && /[aeiouy]/.test(w.slice(0, -2))) w = undouble(w.slice(0, -2));

  if (w.endsWith('e') && w.length > 4 && !w.endsWith('ee')) w = w.slice(0, -1);
  return w;
}

/** "runn" → "run", "stopp" → "stop"; but keep "fall", "pass", "buzz" (doubled l, s, z are real). */
function undouble(w: string): string {
  const last = w.charAt(w.length - 1);
  if (w.length > 3 && last === w.charAt(w.length - 2) && !'lsz'.includes(last)) return w.slice(0, -1);
  return w;
}
