// The web UI: one form posting to /api/v1/predict, plus the versions from /api/v1/info so a deploy or a model
// promotion is visible after a refresh. Plain browser JavaScript, no framework, no CDN.
'use strict';
/* global showExplanation -- public/explanation.js */

const byId = (id) => document.getElementById(id);

function showError(message) {
  const error = byId('error');
  error.textContent = message;
  error.hidden = false;
}

async function loadInfo() {
  try {
    const response = await fetch('/api/v1/info');
    const info = await response.json();
    byId('app-version').textContent = info.version;
    byId('git-commit').textContent = info.gitCommit;
    byId('model-version').textContent = info.model ? `v${info.model.version}` : 'none loaded';
  } catch {
    byId('model-version').textContent = 'unknown';
  }
}

function showPrediction(prediction) {
  const isSpam = prediction.label === 'spam';
  const percent = Math.round(prediction.spamProbability * 1000) / 10;
  const verdict = byId('verdict');
  verdict.textContent = isSpam ? 'Spam' : 'Not Spam';
  verdict.className = `verdict ${isSpam ? 'spam' : 'ham'}`;
  byId('bar-fill').style.width = `${percent}%`;
  byId('bar-fill').parentElement.setAttribute('aria-valuenow', String(percent));
  byId('probability').textContent = `Spam probability ${percent}% (model v${prediction.modelVersion})`;
  byId('model-version').textContent = `v${prediction.modelVersion}`;
  byId('result').hidden = false;
}

async function predict(event) {
  event.preventDefault();
  const button = byId('predict');
  byId('error').hidden = true;
  button.disabled = true;
  const text = byId('message').value;
  try {
    const response = await fetch('/api/v1/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text, explain: true }),
    });
    const body = await response.json();
    if (!response.ok) {
      showError(Array.isArray(body.message) ? body.message.join('; ') : String(body.message));
      return;
    }
    showPrediction(body);
    showExplanation(text, body.explanation);
  } catch (error) {
    showError(`The service did not answer: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

byId('predict-form').addEventListener('submit', predict);
loadInfo();
