// Shows an explanation (docs/api.md "Explanations") in the page: the message with the words that pushed towards spam
// or towards ham highlighted, and the model's own top features. Only textContent is used, never innerHTML: the
// message is user input. Loaded before app.js; plain browser JavaScript.
'use strict';

// The model's features are its own strings (docs/model-format.md §4-§5): stemmed word n-grams, placeholders, and
// character n-grams with padding spaces. A word of the message carries a feature when, lowercased and without
// accents like the model's tokens, it contains it as the model would see it. A visual aid: the list shows the numbers.
const PLACEHOLDER_TESTS = {
  xxemail: (chunk) => /[^@\s]+@[^@\s]+\.[a-z]{2,}/i.test(chunk),
  xxurl: (chunk) => /https?:\/\/|www\.|\.(com|net|org|co|uk|ly|gl|in|io|me|biz|info|xyz|link|site|online|app)\b/i.test(chunk),
  xxmoney: (chunk) => /[£$€₹][0-9]|[0-9]p\b|[0-9](pence|pounds?|rupees?|dollars?|euros?)\b/i.test(chunk),
  xxphone: (chunk) => /[0-9](?:[ -]?[0-9]){7,}/.test(chunk),
  xxnum: (chunk) => /[0-9]/.test(chunk),
};

function normalise(text) {
  return text.normalize('NFKD').replace(/\p{Mn}/gu, '').toLowerCase();
}

function stemMatches(stem, token) {
  if (token.startsWith(stem)) return true;
  // Porter turns a final y into i (happy -> happi): the word still starts with the stem minus that i.
  return stem.endsWith('i') && stem.length > 2 && token.startsWith(stem.slice(0, -1));
}

function featureMatches(feature, chunk, tokens) {
  if (feature.block === 'word') {
    return feature.feature.split(' ').some((stem) => {
      const placeholder = PLACEHOLDER_TESTS[stem];
      return placeholder ? placeholder(chunk) : tokens.some((token) => stemMatches(stem, token));
    });
  }
  const core = feature.feature.trim();
  if (core === '') return false;
  const starts = feature.feature.startsWith(' ');
  const ends = feature.feature.endsWith(' ');
  return tokens.some((token) =>
    starts && ends ? token === core : starts ? token.startsWith(core) : ends ? token.endsWith(core) : token.includes(core),
  );
}

/** The sum of the contributions of the listed features a chunk of the message carries. */
function chunkScore(chunk, features) {
  const tokens = normalise(chunk).match(/[a-z0-9]+/g) || [];
  if (tokens.length === 0) return 0;
  return features.reduce((score, feature) => (featureMatches(feature, chunk, tokens) ? score + feature.contribution : score), 0);
}

function renderHighlighted(container, text, features) {
  container.replaceChildren();
  for (const part of text.split(/(\s+)/)) {
    const score = /\S/.test(part) ? chunkScore(part, features) : 0;
    if (score === 0) {
      container.append(document.createTextNode(part));
      continue;
    }
    const mark = document.createElement('mark');
    mark.className = score > 0 ? 'push-spam' : 'push-ham';
    mark.title = `${score > 0 ? 'towards spam' : 'towards ham'} (${score.toFixed(2)})`;
    mark.textContent = part;
    container.append(mark);
  }
}

function renderFeatures(list, explanation) {
  list.replaceChildren();
  for (const feature of explanation.features) {
    const item = document.createElement('li');
    item.className = feature.contribution > 0 ? 'push-spam' : 'push-ham';
    const name = document.createElement('code');
    name.textContent = feature.feature.replace(/ /g, '␣');
    item.append(name, ` ${feature.block} ${feature.contribution > 0 ? '+' : ''}${feature.contribution.toFixed(3)}`);
    list.append(item);
  }
}

// eslint-disable-next-line no-unused-vars
function showExplanation(text, explanation) {
  const section = document.getElementById('explanation');
  if (!explanation) {
    section.hidden = true;
    return;
  }
  renderHighlighted(document.getElementById('highlighted'), text, explanation.features);
  renderFeatures(document.getElementById('features'), explanation);
  section.hidden = false;
}
