// The web client's sidebar search (GET /api/sessions?q=): the user's own matching sessions with
// a highlighted snippet, set as text; an empty result says so; clearing restores the list.
// Headless Chromium against the real program and the mock LLM (see harness.mjs).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventually, getJson, launchBrowser, openPage, screenshot, startMockLlm, startServer, tearDown,
  tempDir,
} from './harness.mjs';
import { connectAs, send, waitForReplies } from './chat-page.mjs';

async function chatAs(page, userId, text) {
  await connectAs(page, userId);
  await send(page, text);
  await waitForReplies(page, 1);
}

const listed = (page) => page.$$eval('#session-list .session-item', (nodes) => nodes.map((n) => n.dataset.sessionId));

describe('web client sidebar search', () => {
  let mock;
  let server;
  let browser;
  let dataDir;

  before(async () => {
    mock = await startMockLlm({ tokenDelayMs: 5 });
    dataDir = tempDir('browser-search');
    server = await startServer({ llmUrl: mock.url, dataDir, name: 'server-search' });
    browser = await launchBrowser();
  });

  after(() => tearDown({ browser, server, mock, dataDir }));

  it('finds only the user\'s own sessions, shows the snippet as text, and restores the list', async () => {
    const other = await openPage(browser, server.base);
    await chatAs(other, 'bob-search', 'echo: the lighthouse keeper Bob');
    await other.close();

    const page = await openPage(browser, server.base);
    await chatAs(page, 'ada-search', 'echo: where is the lighthouse <img src=x onerror="window.pwned=1"> of Alexandria?');
    await page.click('#new-session');
    await page.fill('#composer-input', 'echo: a quiet question about tea');
    await page.press('#composer-input', 'Enter');
    const all = await eventually(async () => {
      const ids = await listed(page);
      return ids.length === 2 ? ids : null;
    }, 'both of ada\'s sessions in the sidebar');
    const [lighthouse] = (await getJson(`${server.base}/api/sessions?q=lighthouse&user_id=ada-search`)).sessions;
    assert.ok(lighthouse, 'the REST search finds ada\'s session');

    await page.fill('#session-search', 'LIGHTHOUSE alex');
    await page.press('#session-search', 'Enter');
    await page.waitForFunction(() => document.getElementById('sessions-title').textContent === 'Matching sessions'
      && document.querySelectorAll('#session-list .session-item').length === 1);
    assert.deepEqual(await listed(page), [lighthouse.session_id]);
    const snippet = page.locator('#session-list .session-snippet');
    assert.match(await snippet.textContent(), /lighthouse <img src=x onerror="window\.pwned=1"> of Alexandria/);
    assert.deepEqual(await snippet.locator('mark').allTextContents(), ['lighthouse', 'Alexandria']);
    assert.equal(await page.locator('#sidebar img').count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    await screenshot(page, 'sidebar-search');

    // Opening a result shows its transcript.
    await page.click('#session-list .session-open');
    await page.waitForFunction(() => [...document.querySelectorAll('#messages .msg')].some((m) => m.textContent.includes('Alexandria')));

    // Bob's session never shows; query syntax is just text; no match says so.
    await page.fill('#session-search', 'Bob');
    await page.press('#session-search', 'Enter');
    await page.waitForFunction(() => document.getElementById('sessions-empty').textContent.includes('No session matches'));
    assert.equal(await page.locator('#session-list .session-item').count(), 0);
    assert.equal(await page.locator('#sessions-empty').textContent(), 'No session matches “Bob”.');
    await page.fill('#session-search', '"lighthouse AND *');
    await page.press('#session-search', 'Enter');
    await page.waitForFunction(() => document.getElementById('sessions-empty').textContent.includes('No session matches'));
    await page.fill('#session-search', '"tea');
    await page.press('#session-search', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#session-list .session-item').length === 1
      && document.querySelector('#session-list .session-snippet mark')?.textContent === 'tea');

    // Clearing the field restores the list.
    await page.fill('#session-search', '');
    await page.waitForFunction(() => document.getElementById('sessions-title').textContent === 'Your sessions');
    assert.deepEqual((await listed(page)).sort(), [...all].sort());
    assert.equal(await page.locator('#session-list mark').count(), 0);
  });
});
