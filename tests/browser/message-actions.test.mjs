// Per-message actions of the web client (copy, regenerate, edit and resend) and the syntax
// highlighting of code blocks, in headless Chromium against the real program and the mock LLM
// (see harness.mjs). What the model was given is read back from the mock (GET /mock/last-chat).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  getJson, launchBrowser, openPage, screenshot, startMockLlm, startServer, tearDown, tempDir,
  trackErrors,
} from './harness.mjs';
import { connectAs, send, transcript, waitForReplies } from './chat-page.mjs';

async function opacity(locator) {
  return locator.evaluate((node) => getComputedStyle(node.closest('.msg-actions')).opacity);
}

async function waitForOpacity(locator, value) {
  await locator.evaluate((node, wanted) => new Promise((resolve) => {
    const bar = node.closest('.msg-actions');
    const check = () => (getComputedStyle(bar).opacity === wanted ? resolve() : requestAnimationFrame(check));
    check();
  }), value);
}

async function clipboard(page) {
  return page.evaluate(() => navigator.clipboard.readText());
}

describe('message actions', () => {
  let mock;
  let server;
  let browser;
  let dataDir;

  // [role, content] of the user and assistant messages the model was given in the last turn.
  async function modelHistory() {
    const body = await getJson(`http://127.0.0.1:${mock.port}/mock/last-chat`);
    return body.messages.filter((m) => m.role === 'user' || m.role === 'assistant')
      .map((m) => [m.role, m.content]);
  }

  before(async () => {
    mock = await startMockLlm({ tokenDelayMs: 5 });
    dataDir = tempDir('browser-actions');
    server = await startServer({ llmUrl: mock.url, dataDir, name: 'server-actions' });
    browser = await launchBrowser();
  });

  after(() => tearDown({ browser, server, mock, dataDir }));

  it('copies a reply as Markdown and a message as sent, and says so', async () => {
    const page = await openPage(browser, server.base);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    await connectAs(page, 'ada-copy');
    await send(page, 'echo: Hello **world**, see `code`.');
    await waitForReplies(page, 1);
    const reply = page.locator('.msg-assistant').first();
    const copy = reply.locator('button[data-action="copy-message"]');
    assert.equal(await copy.getAttribute('aria-label'), 'Copy this reply');

    // Hidden until the pointer is over the message.
    await page.mouse.move(0, 0);
    await waitForOpacity(copy, '0');
    await reply.hover();
    await waitForOpacity(copy, '1');
    await copy.click();
    await reply.locator('button[data-action="copy-message"][data-copied="true"]', { hasText: 'Copied' }).waitFor();
    assert.equal(await clipboard(page), 'Hello **world**, see `code`.');
    await page.waitForFunction(() => document.getElementById('action-status')?.textContent === 'Copied to the clipboard');
    await screenshot(page, 'message-copied');
    // The confirmation goes away again.
    await reply.locator('button[data-action="copy-message"]:not([data-copied])', { hasText: 'Copy' }).waitFor();

    const question = page.locator('.msg-user').first();
    await question.hover();
    await question.locator('button[data-action="copy-message"]').click();
    await question.locator('button[data-copied="true"]').waitFor();
    assert.equal(await clipboard(page), 'echo: Hello **world**, see `code`.');

    // Without the Clipboard API (plain http on another host) the copy command does it.
    await page.evaluate(() => Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true }));
    await page.evaluate(() => { window.copyCommands = 0; document.addEventListener('copy', () => { window.copyCommands += 1; }); });
    await reply.hover();
    await copy.click();
    await reply.locator('button[data-action="copy-message"][data-copied="true"]').waitFor();
    assert.equal(await page.evaluate(() => window.copyCommands), 1);
    await page.evaluate(() => delete navigator.clipboard);
    assert.equal(await clipboard(page), 'Hello **world**, see `code`.');
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });

  it('regenerates the last reply: the model no longer sees the old one, nor does the page', async () => {
    const page = await openPage(browser, server.base);
    await connectAs(page, 'ada-regenerate');
    await send(page, 'echo: one');
    await waitForReplies(page, 1);
    await send(page, 'echo: two');
    await waitForReplies(page, 2);

    const regenerate = page.locator('button[data-action="regenerate"]:visible');
    assert.equal(await regenerate.count(), 1, 'only the last reply can be regenerated');
    const oldReply = page.locator('.msg-assistant').nth(1);
    assert.equal(await oldReply.locator('button[data-action="regenerate"]').isVisible(), true);
    assert.equal(await regenerate.getAttribute('aria-label'), 'Regenerate this reply');
    await oldReply.evaluate((node) => { node.dataset.old = 'true'; });
    await oldReply.hover();
    await regenerate.click();
    await page.waitForSelector('.msg-assistant[data-old]', { state: 'detached' });
    await waitForReplies(page, 2);

    const shown = [['user', 'echo: one'], ['assistant', 'one'], ['user', 'echo: two'], ['assistant', 'two']];
    assert.deepEqual(await transcript(page), shown);
    const question = page.locator('.msg-user').nth(1);
    assert.equal(await question.getAttribute('data-origin'), 'regenerated');
    assert.equal(await question.locator('.msg-origin').textContent(), 'Regenerated');
    // The model was asked what the page shows above the new reply, without the old reply.
    assert.deepEqual(await modelHistory(), shown.slice(0, -1));
    assert.equal(await page.locator('button[data-action="regenerate"]:visible').count(), 1);
    await screenshot(page, 'message-regenerated');

    // The stored transcript, opened again, reads the same.
    const sessionId = await page.evaluate(() => document.querySelector('.session-item .session-open[aria-current="true"]')?.closest('.session-item').dataset.sessionId);
    const events = (await getJson(`${server.base}/api/sessions/${sessionId}/events`)).events;
    assert.deepEqual(events.filter((e) => e.event_type === 'turn_withdrawn').length, 1);
    // The withdrawn question and reply are not counted, on the page nor by the server.
    assert.equal((await getJson(`${server.base}/api/sessions/${sessionId}`)).message_count, 4);
    const count = page.locator(`.session-item[data-session-id="${sessionId}"] .session-count`);
    assert.equal(await count.textContent(), '4 messages');
    const reopened = await openPage(browser, server.base);
    await connectAs(reopened, 'ada-regenerate');
    await reopened.click('#connect-button'); // disconnect: only the transcript is read
    await reopened.click(`.session-item[data-session-id="${sessionId}"] .session-open`);
    await reopened.waitForSelector('.msg-user[data-origin="regenerated"]');
    assert.deepEqual(await transcript(reopened), shown);
    await reopened.context().close();

    // Not while a reply streams.
    await send(page, 'long: 400');
    await page.waitForSelector('.msg-assistant[data-state="streaming"]');
    assert.equal(await page.locator('button[data-action="regenerate"]:visible').count(), 0);
    assert.equal(await page.locator('button[data-action="edit-message"]:visible').count(), 0);
    await page.click('#stop-button');
    await waitForReplies(page, 3);
    assert.equal(await page.locator('.msg-assistant').nth(2).locator('button[data-action="regenerate"]').isVisible(), true);
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });

  it('puts the reply back when the server refuses to regenerate it', async () => {
    const limitedDir = tempDir('browser-actions-limited');
    const limited = await startServer({ llmUrl: mock.url, dataDir: limitedDir, name: 'server-actions-limited',
      env: { RTAI_MAX_MESSAGES_PER_MINUTE: '2' } });
    try {
      const page = await openPage(browser, limited.base);
      await connectAs(page, 'ada-limited');
      await send(page, 'echo: one');
      await waitForReplies(page, 1);
      await send(page, 'echo: two');
      await waitForReplies(page, 2);
      const before = await transcript(page);
      await page.locator('.msg-assistant').nth(1).hover();
      await page.locator('button[data-action="regenerate"]:visible').click();
      await page.waitForSelector('.msg-error[data-code="rate_limited"]');
      assert.deepEqual((await transcript(page)).slice(0, 4), before);
      assert.equal(await page.locator('.msg-user').nth(1).getAttribute('data-origin'), null);
      assert.equal(await page.locator('.msg-assistant').count(), 2);
      assert.equal(await page.locator('.msg-assistant[data-state="waiting"]').count(), 0);
      assert.deepEqual(page.uncaught, []);
      await page.context().close();
    } finally {
      await limited.stop();
      fs.rmSync(limitedDir, { recursive: true, force: true });
    }
  });

  it('edits the last message and asks it again, by keyboard', async () => {
    const page = await openPage(browser, server.base);
    await connectAs(page, 'ada-edit');
    await send(page, 'echo: one');
    await waitForReplies(page, 1);
    await send(page, 'echo: frist try');
    await waitForReplies(page, 2);
    await page.mouse.move(0, 0);
    assert.equal(await page.locator('.msg-user').first().locator('button[data-action="edit-message"]').isVisible(), false,
      'only the last message can be edited');

    const edit = page.locator('.msg-user').nth(1).locator('button[data-action="edit-message"]');
    assert.equal(await edit.getAttribute('aria-label'), 'Edit this message and ask again');
    await edit.focus();
    await waitForOpacity(edit, '1'); // shown on keyboard focus, without hover
    await page.keyboard.press('Enter');
    const input = page.locator('.msg-edit-input');
    await input.waitFor();
    assert.equal(await input.evaluate((node) => node === document.activeElement), true);
    assert.equal(await input.inputValue(), 'echo: frist try');

    // Escape gives the message back unchanged, and the focus to its Edit button.
    await page.keyboard.press('Escape');
    await input.waitFor({ state: 'detached' });
    assert.equal(await edit.evaluate((node) => node === document.activeElement), true);
    assert.equal(await page.locator('.msg-user').nth(1).locator('.bubble').isVisible(), true);

    // Too long: said in the editor, nothing sent.
    await page.keyboard.press('Enter');
    await input.fill('x'.repeat(40000));
    await input.press('Enter');
    await page.locator('.msg-edit-error', { hasText: 'Too long to send' }).waitFor();

    await input.fill('echo: first try');
    await screenshot(page, 'message-editing');
    await page.locator('.msg-assistant').nth(1).evaluate((node) => { node.dataset.old = 'true'; });
    await input.press('Enter');
    await page.waitForSelector('.msg-assistant[data-old]', { state: 'detached' });
    await waitForReplies(page, 2);
    const shown = [['user', 'echo: one'], ['assistant', 'one'], ['user', 'echo: first try'], ['assistant', 'first try']];
    assert.deepEqual(await transcript(page), shown);
    const edited = page.locator('.msg-user').nth(1);
    assert.equal(await edited.getAttribute('data-origin'), 'edited');
    assert.equal(await edited.locator('.msg-origin').textContent(), 'Edited');
    assert.equal(await page.locator('.msg-edit').count(), 0);
    assert.deepEqual(await modelHistory(), shown.slice(0, -1));

    // Copy gives the edited text.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    await edited.hover();
    await edited.locator('button[data-action="copy-message"]').click();
    await edited.locator('button[data-copied="true"]').waitFor();
    assert.equal(await clipboard(page), 'echo: first try');
    await screenshot(page, 'message-edited');
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });

  it('highlights code blocks in both colour schemes', async () => {
    const markdown = [
      '```python', 'def area(r):', '    return 3.14 * r ** 2  # a circle', '```', '',
      '```js', 'const greeting = "hi";', '```', '',
      '```nosuchlanguage', 'stays plain', '```',
    ].join('\n');
    const colours = {};
    for (const colorScheme of ['light', 'dark']) {
      const page = await openPage(browser, server.base, { colorScheme });
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
      await connectAs(page, `ada-highlight-${colorScheme}`);
      await send(page, `echo: ${markdown}`);
      await waitForReplies(page, 1);
      const reply = page.locator('.msg-assistant').first();

      const python = reply.locator('pre code.language-python');
      assert.equal(await python.getAttribute('data-highlighted'), 'Python');
      assert.match(await python.getAttribute('class'), /\bhljs\b/);
      assert.equal(await python.locator('.hljs-keyword').first().textContent(), 'def');
      assert.equal(await python.locator('.hljs-comment').textContent(), '# a circle');
      assert.deepEqual(await python.locator('.hljs-number').allTextContents(), ['3.14', '2']);
      const js = reply.locator('pre code.language-js');
      assert.equal(await js.locator('.hljs-keyword').textContent(), 'const');
      assert.equal(await js.locator('.hljs-string').textContent(), '"hi"');
      const plain = reply.locator('pre code.language-nosuchlanguage');
      assert.equal(await plain.locator('span').count(), 0);
      assert.equal(await plain.textContent(), 'stays plain\n');

      // The highlighted code is copied as plain text.
      await reply.locator('.copy-button').first().click();
      assert.equal(await clipboard(page), 'def area(r):\n    return 3.14 * r ** 2  # a circle\n');

      colours[colorScheme] = await python.evaluate((code) => ({
        text: getComputedStyle(code).color,
        keyword: getComputedStyle(code.querySelector('.hljs-keyword')).color,
        comment: getComputedStyle(code.querySelector('.hljs-comment')).color,
      }));
      await screenshot(page, `code-highlighted-${colorScheme}`);
      assert.deepEqual(page.uncaught, []);
      await page.context().close();
    }
    for (const scheme of ['light', 'dark']) {
      assert.notEqual(colours[scheme].keyword, colours[scheme].text, `${scheme}: keywords stand out`);
      assert.notEqual(colours[scheme].comment, colours[scheme].text, `${scheme}: comments stand out`);
    }
    assert.notEqual(colours.light.keyword, colours.dark.keyword, 'each scheme has its own colours');
  });

  it('shows the actions on a touch screen at phone width, without hover', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    const page = trackErrors(await context.newPage());
    await page.goto(`${server.base}/`);
    await connectAs(page, 'ada-phone');
    await send(page, 'echo: Small screens too.');
    await waitForReplies(page, 1);
    const reply = page.locator('.msg-assistant').first();
    for (const button of [reply.locator('button[data-action="copy-message"]'),
      reply.locator('button[data-action="regenerate"]'),
      page.locator('.msg-user button[data-action="edit-message"]')]) {
      assert.equal(await opacity(button), '1');
      const box = await button.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `inside the screen: ${JSON.stringify(box)}`);
    }
    await reply.locator('button[data-action="copy-message"]').tap();
    await reply.locator('button[data-copied="true"]').waitFor();
    assert.equal(await clipboard(page), 'Small screens too.');
    await screenshot(page, 'message-actions-phone');
    assert.deepEqual(page.uncaught, []);
    await context.close();
  });
});
