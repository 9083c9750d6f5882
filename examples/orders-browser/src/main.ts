import type { OrdersPageQuery, OrdersPageQueryVariables } from './gql/graphql.js';
import { OrderDetail, OrdersPage } from './operations.js';
import { createClient, SluiceRequestError } from './sluice-client.js';

/**
 * A page of orders from Sluice, on another origin than the gateway's: a
 * table paged forward and backward with Relay cursors (edges, pageInfo,
 * first/after, last/before) and a detail panel read by key. Settings come
 * from the address (?endpoint=…&key=…&purpose=…&region=…&size=…), so a
 * link opens the page as a given caller.
 */
const params = new URLSearchParams(location.search);
const settings = {
  endpoint: params.get('endpoint') ?? 'http://localhost:4000/graphql',
  key: params.get('key') ?? '',
  purpose: params.get('purpose') ?? 'reporting',
  region: params.get('region') ?? 'EU',
  size: Math.min(Math.max(Number(params.get('size') ?? 10) || 10, 1), 100),
};
const client = createClient({ endpoint: settings.endpoint, apiKey: settings.key || undefined, purpose: settings.purpose || undefined });

type Connection = OrdersPageQuery['ordersV2'];
/** The page to ask for: forward from a cursor, or backward to one (absent cursor: the first or the last page). */
type PageRequest = Pick<OrdersPageQueryVariables, 'first' | 'after' | 'last' | 'before'>;

const $ = <E extends HTMLElement>(id: string) => document.getElementById(id) as E;
const status = $<HTMLParagraphElement>('status');
const rows = $<HTMLTableSectionElement>('rows');
const range = $<HTMLSpanElement>('range');
const detail = $<HTMLElement>('detail');
const buttons = {
  first: $<HTMLButtonElement>('first'),
  previous: $<HTMLButtonElement>('previous'),
  next: $<HTMLButtonElement>('next'),
  last: $<HTMLButtonElement>('last'),
};

let current: Connection | undefined;
/** Rows before the current page, when known (paging forward from the start); null after jumping to the end. */
let offset: number | null = 0;

function show(state: 'loading' | 'ready' | 'error', text: string): void {
  status.dataset['state'] = state;
  status.textContent = text;
}

function describe(error: unknown): string {
  if (error instanceof SluiceRequestError) return `${error.code ?? 'ERROR'}: ${error.message}`;
  // fetch rejects with a TypeError when the browser refuses the response (no CORS grant) or the network fails.
  return `network: ${error instanceof Error ? error.message : String(error)}`;
}

async function load(request: PageRequest, nextOffset: (c: Connection) => number | null): Promise<void> {
  show('loading', 'loading…');
  for (const b of Object.values(buttons)) b.disabled = true;
  try {
    const data = await client.execute(OrdersPage, { region: settings.region, ...request });
    current = data.ordersV2;
    offset = nextOffset(current);
    render(current);
    show('ready', `${current.totalCount} orders in ${settings.region}`);
  } catch (error) {
    show('error', describe(error));
  }
}

function render(c: Connection): void {
  rows.replaceChildren(
    ...c.edges.map(({ cursor, node }) => {
      const tr = document.createElement('tr');
      tr.dataset['orderId'] = node.order_id;
      tr.dataset['cursor'] = cursor;
      const cells = [node.order_id, node.order_date, node.status, `${node.total_amount.toFixed(2)} ${node.currency}`, node.email ?? '—'];
      for (const value of cells) {
        const td = document.createElement('td');
        td.textContent = value;
        tr.append(td);
      }
      tr.addEventListener('click', () => void open(node.order_id));
      return tr;
    }),
  );
  range.textContent =
    offset === null || c.edges.length === 0
      ? `${c.edges.length} of ${c.totalCount}`
      : `${offset + 1}–${offset + c.edges.length} of ${c.totalCount}`;
  buttons.first.disabled = !c.pageInfo.hasPreviousPage;
  buttons.previous.disabled = !c.pageInfo.hasPreviousPage;
  buttons.next.disabled = !c.pageInfo.hasNextPage;
  buttons.last.disabled = !c.pageInfo.hasNextPage;
}

async function open(orderId: string): Promise<void> {
  detail.dataset['state'] = 'loading';
  try {
    const { ordersV2ByKey: order } = await client.execute(OrderDetail, { orderId });
    const lines = order
      ? [
          `Order ${order.order_id} of ${order.order_date}: ${order.status}, ${order.total_amount.toFixed(2)} ${order.currency}`,
          `Customer: ${order.customer ? `${order.customer.name} (${order.customer.country})` : 'not visible'}`,
          `Notes: ${order.notes ?? '—'}`,
        ]
      : [`Order ${orderId}: not found`];
    detail.replaceChildren(
      ...lines.map((line) => {
        const p = document.createElement('p');
        p.textContent = line;
        return p;
      }),
    );
    detail.dataset['state'] = 'ready';
  } catch (error) {
    detail.textContent = describe(error);
    detail.dataset['state'] = 'error';
  }
}

const size = settings.size;
buttons.first.addEventListener('click', () => void load({ first: size }, () => 0));
buttons.next.addEventListener('click', () => {
  const from = offset;
  const shown = current?.edges.length ?? 0;
  void load({ first: size, after: current?.pageInfo.endCursor }, () => (from === null ? null : from + shown));
});
buttons.previous.addEventListener('click', () => {
  const from = offset;
  void load({ last: size, before: current?.pageInfo.startCursor }, (c) => (from === null ? null : Math.max(from - c.edges.length, 0)));
});
buttons.last.addEventListener('click', () => void load({ last: size }, (c) => c.totalCount - c.edges.length));

const form = $<HTMLFormElement>('settings');
for (const [name, value] of Object.entries(settings))
  (form.elements.namedItem(name) as HTMLInputElement | null)?.setAttribute('value', String(value));

void load({ first: size }, () => 0);
