// A stand-in scorer for tests that need answers they control (errors, hostile fields):
// scores by keyword, so a test can say which posts must come back flagged.
const WORDS = {
  insult: /idiot|moron|loser|pathetic/i,
  toxicity: /idiot|moron|stupid|shut up|disgusting/i,
  threat: /break your legs|hurt you/i,
  off_topic: /casino|crypto|bitcoin/i,
};

export function keywordAnswer(body) {
  return {
    model: { name: 'keyword-stub', version: '0', sha256: '0'.repeat(64) },
    posts: body.posts.map((post) => {
      const scores = {};
      const spans = [];
      for (const [name, pattern] of Object.entries(WORDS)) {
        const match = pattern.exec(post.text);
        scores[name] = match ? 0.93 : 0.04;
        if (match) {
          // Code-point offsets, as the Python service counts them.
          const begin = Array.from(post.text.slice(0, match.index)).length;
          spans.push({ begin, end: begin + Array.from(match[0]).length, attribute: name, score: 0.93 });
        }
      }
      return { id: post.id, scores, flags: Object.keys(scores).filter((n) => scores[n] >= 0.5), spans };
    }),
  };
}
