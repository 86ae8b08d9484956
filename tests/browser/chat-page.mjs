// What the browser tests do on the chat page, and read from it and from the REST API.
import { getJson } from './harness.mjs';

// A reply that is no longer being written.
const FINISHED = '.msg-assistant:not([data-state="waiting"]):not([data-state="streaming"]):not([data-state="stopping"])';

export async function connectAs(page, userId) {
  await page.fill('#user-id', userId);
  await page.click('#connect-button');
  await page.waitForSelector('body[data-status="connected"]');
}

export async function send(page, text) {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

export async function waitForReplies(page, count, timeout = 30000) {
  await page.waitForFunction(([selector, n]) => document.querySelectorAll(selector).length >= n,
    [FINISHED, count], { timeout });
}

// The conversation as it reads from top to bottom: [role, text] of each message.
export async function transcript(page) {
  return page.$$eval('#messages > .msg', (nodes) => nodes.map((n) => [n.dataset.role,
    (n.querySelector('.bubble') ?? n.querySelector('.assistant-body'))?.textContent.trim() ?? '']));
}

export async function userSessions(base, userId) {
  return (await getJson(`${base}/api/sessions?user_id=${encodeURIComponent(userId)}`)).sessions;
}
