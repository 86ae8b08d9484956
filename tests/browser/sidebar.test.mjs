// The web client's sidebar: session titles, renaming. Headless Chromium against the real
// program and the mock LLM (see harness.mjs); run by run.sh through CTest.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventually, launchBrowser, openPage, screenshot, startMockLlm, startServer, tearDown, tempDir,
} from './harness.mjs';
import { connectAs, send, userSessions, waitForReplies } from './chat-page.mjs';

const item = (sessionId) => `.session-item[data-session-id="${sessionId}"]`;

describe('web client sidebar', () => {
  let mock;
  let server;
  let browser;
  let dataDir;

  before(async () => {
    mock = await startMockLlm({ tokenDelayMs: 5 });
    dataDir = tempDir('browser-sidebar');
    server = await startServer({ llmUrl: mock.url, dataDir, name: 'server-sidebar' });
    browser = await launchBrowser();
  });

  after(() => tearDown({ browser, server, mock, dataDir }));

  it('titles a session by its first message, then by its summary, with the date below', async () => {
    const userId = 'ada-titles';
    const page = await openPage(browser, server.base);
    await connectAs(page, userId);
    await send(page, 'echo: <img src=x onerror="window.pwned=1"> How much does it cost to ship a parcel of five kilograms to the United States?');
    await waitForReplies(page, 1);
    const [session] = await eventually(async () => {
      const sessions = await userSessions(server.base, userId);
      return sessions.length === 1 && sessions[0].title ? sessions : null;
    }, 'the title from the first message');
    assert.equal(session.title, 'echo: <img src=x onerror="window.pwned=1"> How much does it…');
    const title = page.locator(`${item(session.session_id)} .session-title`);
    await eventually(async () => (await title.textContent()) === session.title, 'the title in the sidebar');
    // Text, not markup, and the date stays as secondary text.
    assert.equal(await page.locator(`${item(session.session_id)} img`).count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.match(await page.textContent(`${item(session.session_id)} .session-date`), /\d/);
    await screenshot(page, 'sidebar-title');

    // Leaving ends the session; its summary gives the title.
    await page.click('#connect-button');
    await page.waitForSelector('body[data-status="disconnected"]');
    await eventually(async () => (await title.textContent()) === "The user did not give their name",
      'the title from the summary', 40000);
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });

  it('renames a session, checks the title and keeps the rename over the summary', async () => {
    const userId = 'bob-rename';
    const page = await openPage(browser, server.base);
    await connectAs(page, userId);
    await send(page, 'echo: first question');
    await waitForReplies(page, 1);
    const [session] = await eventually(async () => {
      const sessions = await userSessions(server.base, userId);
      return sessions.length === 1 && sessions[0].title ? sessions : null;
    }, 'the session');
    const entry = page.locator(item(session.session_id));
    await entry.locator('.session-title').getByText('echo: first question').waitFor();

    // Escape keeps the title.
    await entry.hover();
    await entry.locator('button[data-action="rename-session"]').click();
    const input = entry.locator('.session-rename-input');
    assert.equal(await input.inputValue(), 'echo: first question');
    await input.fill('Not this');
    await input.press('Escape');
    assert.equal(await entry.locator('.session-rename-input').count(), 0);
    assert.equal(await entry.locator('.session-title').textContent(), 'echo: first question');

    // A blank title is refused in the page; a valid one is stored.
    await entry.hover();
    await entry.locator('button[data-action="rename-session"]').click();
    await input.fill('   ');
    await input.press('Enter');
    await entry.locator('.session-rename-error').getByText(/Give the session a title/).waitFor();
    await input.fill('<b>Trip</b> to Rome');
    await input.press('Enter');
    await entry.locator('.session-title').getByText('<b>Trip</b> to Rome').waitFor();
    assert.equal(await entry.locator('b').count(), 0);
    assert.equal((await userSessions(server.base, userId))[0].title, '<b>Trip</b> to Rome');
    assert.equal(await page.locator('.session-info strong').count() <= 1, true);
    await screenshot(page, 'sidebar-renamed');

    // The server's refusal is shown under the field (the page's maxlength bypassed).
    await entry.hover();
    await entry.locator('button[data-action="rename-session"]').click();
    await input.evaluate((node) => { node.maxLength = 1000; node.value = 'x'.repeat(130); });
    await input.press('Enter');
    await entry.locator('.session-rename-error').getByText(/at most 120/).waitFor();
    await input.press('Escape');

    // The summary, when it comes, does not replace the user's title.
    await page.click('#connect-button');
    await page.waitForSelector('body[data-status="disconnected"]');
    await eventually(async () => (await userSessions(server.base, userId))[0].summary, 'the summary', 40000);
    const [summarized] = await userSessions(server.base, userId);
    assert.equal(summarized.title, '<b>Trip</b> to Rome');
    await page.reload();
    await page.locator(`${item(session.session_id)} .session-title`).getByText('<b>Trip</b> to Rome').waitFor();
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });
});
