/**
 * Most `*` a type glob may hold, checked by every schema that accepts one. Matching stays
 * O(type × glob) whatever the count; the cap keeps globs readable and a hostile one cheap.
 */
export const MAX_GLOB_STARS = 8;

const STAR = '*'.charCodeAt(0);

export const starsIn = (glob: string): number => glob.split('*').length - 1;

export const GLOB_STARS_MESSAGE = `a glob may hold at most ${MAX_GLOB_STARS} "*"`;

/**
 * Whether `text` matches `glob`, where `*` stands for any run of characters (none included) and
 * every other character for itself. Greedy, with two pointers: on a mismatch only the last star
 * seen takes one more character, so the work is at most text length × glob length. A RegExp
 * built from the glob (`.*` per star) backtracks through every split of the text between its
 * stars instead: twelve stars took most of a second per type.
 */
export const globMatches = (glob: string, text: string): boolean => {
  let g = 0;
  let t = 0;
  /** Position in the glob just after the last star seen, and where in the text that star's run ends. */
  let afterStar = -1;
  let starEnd = 0;
  while (t < text.length) {
    const c = glob.charCodeAt(g);
    if (c === STAR) {
      afterStar = g + 1;
      starEnd = t;
      g += 1;
    } else if (g < glob.length && c === text.charCodeAt(t)) {
      g += 1;
      t += 1;
    } else if (afterStar >= 0) {
      starEnd += 1;
      g = afterStar;
      t = starEnd;
    } else {
      return false;
    }
  }
  while (glob.charCodeAt(g) === STAR) g += 1;
  return g === glob.length;
};
