// The admin console's security pages (docs/web-ui.md#dashboard, #bans, #login-check): bans
// lifted, the safe list edited, the login check's verdicts, the dashboard's chart and counts.
import { shot, signIn } from './browser_lib.mjs';

async function signInTo(page, p, hash) {
  await signIn(page, p);
  await page.locator('header.bar').waitFor();
  await page.goto(p.url + '/' + hash);
}

const rowsOf = (page, selector) => page.locator(selector).evaluateAll((trs) =>
  trs.map((tr) => ({ ...tr.dataset, text: tr.innerText })));

export const scenarios = {
  // The ban of p.ip listed, then lifted by its Lift button.
  async bans_lift(page, p) {
    await signInTo(page, p, '#/admin/bans');
    await page.locator(`tr[data-ip="${p.ip}"]`).waitFor();
    const before = await rowsOf(page, 'table.bans tbody tr');
    await shot(page, p, p.name + '-banned');
    await page.getByRole('button', { name: 'Lift the ban of ' + p.ip }).click();
    await page.locator('#no-bans').waitFor();
    const status = await page.locator('#bans-status').innerText();
    await shot(page, p, p.name + '-lifted');
    return { before, status };
  },

  // p.bad refused with its error shown, then p.cidr added to the safe list with p.note.
  async safe_add(page, p) {
    await signInTo(page, p, '#/admin/bans');
    const form = page.getByRole('form', { name: 'Add to the safe list' });
    await form.getByLabel('Address or CIDR').fill(p.bad);
    await form.getByRole('button', { name: 'Add' }).click();
    const error = await page.locator('#safe-list p.error').innerText();
    await form.getByLabel('Address or CIDR').fill(p.cidr);
    await form.getByLabel('Note').fill(p.note);
    await form.getByRole('button', { name: 'Add' }).click();
    await page.locator(`#safe-list tr[data-cidr="${p.cidr}"]`).waitFor();
    await shot(page, p, p.name);
    return { error, rows: await rowsOf(page, '#safe-list tbody tr') };
  },

  // Each of p.checks ({username, interface, ip}) checked in turn; what the verdict says.
  async login_check(page, p) {
    await signInTo(page, p, '#/admin/login-check');
    const out = [];
    for (const [i, c] of p.checks.entries()) {
      await page.getByLabel('Username').fill(c.username);
      await page.getByLabel('Protocol').selectOption(c.interface);
      await page.getByLabel('Address').fill(c.ip || '');
      await page.getByRole('button', { name: 'Check' }).click();
      await page.waitForFunction((u) => {
        const h = document.querySelector('#verdict-title');
        return h && h.textContent.includes(u);
      }, c.username);
      const verdict = page.locator('section.verdict');
      out.push({
        admitted: await verdict.getAttribute('data-admitted'),
        title: await page.locator('#verdict-title').innerText(),
        reasons: await verdict.locator('.reasons li').evaluateAll((lis) => lis.map((li) => ({
          failure_type: li.dataset.failureType,
          title: li.querySelector('.reason-title').textContent,
          shown: li.querySelector('.shown').textContent,
          fix: li.querySelector('.fix').textContent,
          links: [...li.querySelectorAll('.fix a')].map((a) => a.getAttribute('href')),
        }))),
      });
      await shot(page, p, `${p.name}-${i}-${c.username}`);
    }
    return { checks: out };
  },

  // The dashboard: the chart's counts (legend and bars), open sessions, bans in force.
  async dashboard(page, p) {
    await signIn(page, p);
    await page.locator('svg.chart').waitFor(); // an administrator lands on the dashboard
    await page.locator('#bans-count').waitFor();
    await page.locator('.counts').waitFor();
    const legend = Object.fromEntries(await page.locator('.legend li').evaluateAll((lis) =>
      lis.map((li) => [li.dataset.series, Number(li.querySelector('.count').textContent)])));
    const bars = await page.locator('svg.chart rect').evaluateAll((rs) =>
      rs.map((r) => ({ series: r.dataset.series, count: Number(r.dataset.count),
        title: r.querySelector('title').textContent })));
    const sessions = Object.fromEntries(await page.locator('.counts div').evaluateAll((ds) =>
      ds.map((d) => [d.dataset.interface, Number(d.querySelector('.count').textContent)])));
    const current = await page.locator('nav.sections a[aria-current]').innerText();
    await shot(page, p, p.name);
    await page.getByRole('tab', { name: 'Last 30 days' }).click();
    await page.waitForFunction(() => document.querySelector('svg.chart title').textContent.includes('day'));
    await shot(page, p, p.name + '-days');
    return { legend, bars, sessions, current, bans: await page.locator('#bans-count').innerText() };
  },
};
