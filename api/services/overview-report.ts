// The steering committee's report for a chosen date: a PDF with its charts and CSV tables, both
// drawn from the overview that the console page shows (db/overview.ts), so the two never disagree.
import { stringify } from 'csv-stringify/sync';
import PDFDocument from 'pdfkit';
import { FUNDING_SOURCE_NAMES_FR, type FundingSource } from '../../domain/funding';
import { GRIEVANCE_CATEGORY_NAMES_FR } from '../../domain/grievances';
import { AWPB_COMPONENT_NAMES_FR, formatRate, type AwpbComponent, type ReportTable, type BudgetLine, type Overview } from '../../domain/overview';
import { describeArea } from '../../domain/roles';


/** The committee reads French; the report is in French only. */
const COMPONENTS = AWPB_COMPONENT_NAMES_FR;
const SOURCES = FUNDING_SOURCE_NAMES_FR;
const CATEGORIES = GRIEVANCE_CATEGORY_NAMES_FR;

// The PDF's standard fonts speak WinAnsi: French digit grouping's narrow space becomes a plain no-break space.
const winAnsi = (s: string) => s.replace(/\u202f/g, '\u00a0');
const number = (n: number) => winAnsi(new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 }).format(n));
const fcfa = (n: number) => `${number(n)} FCFA`;
const billions = (n: number) => `${winAnsi(new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(n / 1e9))} Md FCFA`;
const rate = (r: number | null) => winAnsi(formatRate(r, 'fr'));
const dateFr = (iso: string) => new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', dateStyle: 'long' }).format(new Date(`${iso.slice(0, 10)}T12:00:00Z`));
const regionLabel = (o: Overview, key: string) => (key === 'national' ? 'National (non réparti)' : (o.regions.find((r) => r.code === key)?.name ?? key));
const areaLabel = (o: Overview) => (o.area.level === 'national' ? 'Programme national' : winAnsi(describeArea(o.area).replace(/^region /, 'Région ').replace(/^commune /, 'Commune ')));

/** The CSV of one of the report's tables (French headers, integer FCFA, rates as decimals). */
export function reportCsv(o: Overview, table: ReportTable): string {
  const budget = (label: (key: string) => string, lines: BudgetLine[]) =>
    stringify(
      lines.map((l) => [l.key, label(l.key), l.forecastFcfa, l.ledgerFcfa, l.expensesFcfa, l.achievedFcfa, l.executionRate === null ? '' : l.executionRate.toFixed(4)]),
      { header: true, columns: ['cle', 'libelle', 'prevision_fcfa', 'paiements_confirmes_fcfa', 'depenses_fcfa', 'realise_fcfa', 'taux_execution'] },
    );
  switch (table) {
    case 'components':
      return budget((k) => COMPONENTS[k as AwpbComponent] ?? k, [...o.budget.byComponent, { ...o.budget.total, key: 'total' }]);
    case 'funding-sources':
      return budget((k) => SOURCES[k as FundingSource] ?? k, o.budget.byFundingSource);
    case 'regions':
      return stringify(
        o.regions.map((r) => [r.code, r.name, r.targeted, r.validated, r.paid, r.failed, r.inFlight, r.disbursedFcfa, r.progress === null ? '' : r.progress.toFixed(4)]),
        { header: true, columns: ['region', 'nom', 'menages_cibles', 'menages_valides', 'menages_payes', 'paiements_echoues', 'paiements_en_cours', 'montant_verse_fcfa', 'progression'] },
      );
    case 'disbursed-by-day':
      return stringify(
        o.disbursedByDay.map((d) => [d.day, d.payments, d.amountFcfa, d.cumulativeFcfa]),
        { header: true, columns: ['jour', 'paiements', 'montant_fcfa', 'cumul_fcfa'] },
      );
    case 'procurement-delays':
      return stringify(
        o.procurementDelays.map((d) => [d.caseId, d.title, d.stepLabel.fr, d.deadlineAt ?? '', d.daysLate, d.escalated ? 'oui' : 'non']),
        { header: true, columns: ['dossier', 'intitule', 'etape', 'echeance', 'jours_de_retard', 'escalade'] },
      );
    case 'grievances':
      return stringify(
        o.grievances.byCategory.map((g) => [g.category, CATEGORIES[g.category], g.cases, g.open]),
        { header: true, columns: ['categorie', 'libelle', 'plaintes', 'ouvertes'] },
      );
  }
}

const INK = '#1f2933';
const MUTED = '#616e7c';
const FORECAST = '#d9e2ec';
const ACHIEVED = '#1d6fa5';
const ALERT = '#b44d12';
const PAGE = { left: 48, right: 547, width: 499 };

type Doc = PDFKit.PDFDocument;

function heading(doc: Doc, text: string) {
  if (doc.y > 700) doc.addPage();
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(13).fillColor(INK).text(winAnsi(text), PAGE.left, doc.y);
  doc.moveDown(0.3);
}

/** Forecast as a pale bar, achievements over it, the rate at the end: the committee's one question. */
function budgetBars(doc: Doc, lines: Array<{ label: string; line: BudgetLine }>) {
  const labelWidth = 150;
  const barX = PAGE.left + labelWidth;
  const barWidth = PAGE.width - labelWidth - 60;
  const max = Math.max(1, ...lines.map((l) => Math.max(l.line.forecastFcfa, l.line.achievedFcfa)));
  for (const { label, line } of lines) {
    const y = doc.y;
    doc.font('Helvetica').fontSize(9).fillColor(INK).text(winAnsi(label), PAGE.left, y + 3, { width: labelWidth - 8, lineBreak: false, ellipsis: true });
    doc.rect(barX, y, (barWidth * line.forecastFcfa) / max, 14).fill(FORECAST);
    doc.rect(barX, y + 3, Math.max(line.achievedFcfa > 0 ? 1 : 0, (barWidth * line.achievedFcfa) / max), 8).fill(ACHIEVED);
    doc.font('Helvetica-Bold').fontSize(9).fillColor(INK).text(rate(line.executionRate), barX + barWidth + 6, y + 3, { width: 54, lineBreak: false });
    doc.y = y + 20;
  }
  const y = doc.y + 2;
  doc.rect(barX, y, 10, 8).fill(FORECAST);
  doc.font('Helvetica').fontSize(8).fillColor(MUTED).text('Prévision annuelle', barX + 14, y, { lineBreak: false });
  doc.rect(barX + 110, y, 10, 8).fill(ACHIEVED);
  doc.text(winAnsi('Réalisé (paiements confirmés + dépenses)'), barX + 124, y, { lineBreak: false });
  doc.y = y + 16;
}

function table(doc: Doc, columns: Array<{ title: string; width: number; align?: 'left' | 'right' }>, rows: string[][]) {
  const draw = (cells: string[], bold: boolean) => {
    if (doc.y > 770) doc.addPage();
    const y = doc.y;
    let x = PAGE.left;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8.5).fillColor(INK);
    cells.forEach((cell, i) => {
      const c = columns[i]!;
      doc.text(winAnsi(cell), x + 2, y + 3, { width: c.width - 4, align: c.align ?? 'left', lineBreak: false, ellipsis: true });
      x += c.width;
    });
    doc
      .moveTo(PAGE.left, y + 15)
      .lineTo(PAGE.left + columns.reduce((s, c) => s + c.width, 0), y + 15)
      .lineWidth(0.4)
      .strokeColor(bold ? INK : FORECAST)
      .stroke();
    doc.y = y + 16;
  };
  draw(
    columns.map((c) => c.title),
    true,
  );
  for (const row of rows) draw(row, false);
  doc.moveDown(0.5);
}

function columnChart(doc: Doc, points: Array<{ label: string; value: number }>, valueLabel: (n: number) => string) {
  const height = 110;
  const top = doc.y + 4;
  const bottom = top + height;
  const max = Math.max(1, ...points.map((p) => p.value));
  doc.moveTo(PAGE.left, bottom).lineTo(PAGE.right, bottom).lineWidth(0.5).strokeColor(MUTED).stroke();
  doc.font('Helvetica').fontSize(7.5).fillColor(MUTED).text(winAnsi(valueLabel(max)), PAGE.left, top - 2, { lineBreak: false });
  const step = PAGE.width / Math.max(points.length, 1);
  const barWidth = Math.max(2, Math.min(28, step * 0.7));
  points.forEach((p, i) => {
    const h = (height - 12) * (p.value / max);
    const x = PAGE.left + i * step + (step - barWidth) / 2;
    doc.rect(x, bottom - h, barWidth, h).fill(ACHIEVED);
  });
  const every = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % every !== 0 && i !== points.length - 1) return;
    doc.font('Helvetica').fontSize(7).fillColor(MUTED).text(winAnsi(p.label), PAGE.left + i * step - 10, bottom + 3, { width: step + 20, align: 'center', lineBreak: false });
  });
  doc.y = bottom + 16;
}

function headline(doc: Doc, o: Overview) {
  const boxes = [
    ['Prévision annuelle', billions(o.budget.total.forecastFcfa)],
    ['Réalisé', billions(o.budget.total.achievedFcfa)],
    ['Taux d’exécution', rate(o.budget.total.executionRate)],
    ['Ménages payés', number(o.households.paid)],
  ];
  const y = doc.y + 4;
  const w = (PAGE.width - 3 * 8) / 4;
  boxes.forEach(([label, value], i) => {
    const x = PAGE.left + i * (w + 8);
    doc.roundedRect(x, y, w, 48, 4).lineWidth(0.6).strokeColor(FORECAST).stroke();
    doc.font('Helvetica').fontSize(8).fillColor(MUTED).text(winAnsi(label!), x + 8, y + 8, { width: w - 16, lineBreak: false });
    doc
      .font('Helvetica-Bold')
      .fontSize(i === 2 ? 16 : 13)
      .fillColor(i === 2 ? ACHIEVED : INK)
      .text(winAnsi(value!), x + 8, y + 22, { width: w - 16, lineBreak: false });
  });
  doc.y = y + 60;
}

/** The report as a PDF (A4, French), charts drawn as vectors. */
export function reportPdf(o: Overview): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margins: { top: 48, bottom: 40, left: PAGE.left, right: 48 }, info: { Title: `Rapport au comité de pilotage — ${o.asOf}`, Author: 'Jigi' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica').fontSize(9).fillColor(MUTED).text(winAnsi('Programme de filets sociaux Jigisemejiri — Comité national de pilotage'), PAGE.left, 40);
  doc.font('Helvetica-Bold').fontSize(18).fillColor(INK).text(winAnsi(`Situation au ${dateFr(o.asOf)}`), PAGE.left, doc.y + 4);
  doc
    .font('Helvetica')
    .fontSize(10)
    .fillColor(MUTED)
    .text(winAnsi(`PTBA ${o.year} · ${areaLabel(o)} · généré le ${dateFr(o.at)}`));
  headline(doc, o);
  doc
    .font('Helvetica')
    .fontSize(9.5)
    .fillColor(INK)
    .text(
      winAnsi(
        `Réalisations au ${dateFr(o.asOf)} : ${fcfa(o.budget.total.achievedFcfa)} sur une prévision annuelle de ${fcfa(o.budget.total.forecastFcfa)}, ` +
          `soit un taux d’exécution de ${rate(o.budget.total.executionRate)}. Les réalisations sont les paiements confirmés du registre des paiements ` +
          `(${fcfa(o.budget.total.ledgerFcfa)}) et les dépenses enregistrées (${fcfa(o.budget.total.expensesFcfa)}).`,
      ),
      PAGE.left,
      doc.y,
      { width: PAGE.width },
    );

  heading(doc, 'Exécution par composante');
  budgetBars(
    doc,
    o.budget.byComponent.map((line) => ({ label: COMPONENTS[line.key as AwpbComponent] ?? line.key, line })),
  );
  heading(doc, 'Exécution par source de financement');
  budgetBars(
    doc,
    o.budget.byFundingSource.map((line) => ({ label: SOURCES[line.key as FundingSource] ?? line.key, line })),
  );

  doc.addPage();
  const money = [
    { title: 'Ligne', width: 139 },
    { title: 'Prévision', width: 90, align: 'right' as const },
    { title: 'Paiements', width: 80, align: 'right' as const },
    { title: 'Dépenses', width: 80, align: 'right' as const },
    { title: 'Réalisé', width: 70, align: 'right' as const },
    { title: 'Taux', width: 40, align: 'right' as const },
  ];
  const moneyRow = (label: string, l: BudgetLine) => [label, number(l.forecastFcfa), number(l.ledgerFcfa), number(l.expensesFcfa), number(l.achievedFcfa), rate(l.executionRate)];
  heading(doc, 'Réalisations contre prévisions par composante (FCFA)');
  table(doc, money, [...o.budget.byComponent.map((l) => moneyRow(COMPONENTS[l.key as AwpbComponent] ?? l.key, l)), moneyRow('Total', o.budget.total)]);
  heading(doc, 'Réalisations contre prévisions par source de financement (FCFA)');
  table(
    doc,
    money,
    o.budget.byFundingSource.map((l) => moneyRow(SOURCES[l.key as FundingSource] ?? l.key, l)),
  );
  heading(doc, 'Ménages atteints par région (cycles en cours)');
  table(
    doc,
    [
      { title: 'Région', width: 109 },
      { title: 'Ciblés', width: 70, align: 'right' },
      { title: 'Validés', width: 70, align: 'right' },
      { title: 'Payés', width: 70, align: 'right' },
      { title: 'Échecs', width: 60, align: 'right' },
      { title: 'Montant versé', width: 120, align: 'right' },
    ],
    o.regions.map((r) => [r.name, number(r.targeted), number(r.validated), number(r.paid), number(r.failed), fcfa(r.disbursedFcfa)]),
  );
  heading(doc, 'Exécution par région (PTBA)');
  table(
    doc,
    money,
    o.budget.byRegion.map((l) => moneyRow(regionLabel(o, l.key), l)),
  );

  doc.addPage();
  heading(doc, `Montants versés par jour (${o.year})`);
  if (o.disbursedByDay.length === 0) doc.font('Helvetica').fontSize(9).fillColor(MUTED).text(winAnsi('Aucun paiement confirmé sur la période.'), PAGE.left, doc.y);
  else
    columnChart(
      doc,
      o.disbursedByDay.map((d) => ({ label: d.day.slice(5), value: d.amountFcfa })),
      (n) => `max. ${fcfa(n)}`,
    );
  heading(doc, `Retards de passation des marchés (à ce jour, ${dateFr(o.at)})`);
  if (o.procurementDelays.length === 0) doc.font('Helvetica').fontSize(9).fillColor(MUTED).text('Aucune étape en retard.', PAGE.left, doc.y);
  else
    table(
      doc,
      [
        { title: 'Dossier', width: 190 },
        { title: 'Étape en retard', width: 170 },
        { title: 'Échéance', width: 79 },
        { title: 'Jours', width: 60, align: 'right' },
      ],
      o.procurementDelays.map((d) => [d.title, d.stepLabel.fr + (d.escalated ? ' (escaladé)' : ''), d.deadlineAt ? dateFr(d.deadlineAt) : '—', String(d.daysLate)]),
    );
  heading(doc, `Plaintes (à ce jour, ${dateFr(o.at)})`);
  doc
    .font('Helvetica')
    .fontSize(9.5)
    .fillColor(INK)
    .text(winAnsi(`${number(o.grievances.total)} plaintes, dont ${number(o.grievances.open)} ouvertes et ${number(o.grievances.late)} hors délai.`), PAGE.left, doc.y);
  doc.moveDown(0.4);
  if (o.grievances.byCategory.length > 0) {
    const max = Math.max(...o.grievances.byCategory.map((g) => g.cases));
    for (const g of o.grievances.byCategory) {
      const y = doc.y;
      doc.font('Helvetica').fontSize(9).fillColor(INK).text(winAnsi(CATEGORIES[g.category]), PAGE.left, y + 2, { width: 140, lineBreak: false });
      doc.rect(PAGE.left + 150, y, (280 * g.cases) / max, 11).fill(g.open > 0 ? ALERT : ACHIEVED);
      doc
        .font('Helvetica')
        .fontSize(8.5)
        .fillColor(MUTED)
        .text(winAnsi(`${number(g.cases)} (${number(g.open)} ${g.open > 1 ? 'ouvertes' : 'ouverte'})`), PAGE.left + 150 + (280 * g.cases) / max + 6, y + 2, { lineBreak: false });
      doc.y = y + 16;
    }
  }
  doc.end();
  return done;
}
