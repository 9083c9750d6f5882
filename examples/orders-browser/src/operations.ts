import { graphql } from './gql/index.js';

/**
 * A page of a region's orders, largest first, paged with Relay cursors:
 * `first` / `after` forward, `last` / `before` backward (never both).
 * `email` is hashed for the analyst and not in anonymous callers' schema at
 * all: asked without a key, this operation fails validation.
 */
export const OrdersPage = graphql(`
  query OrdersPage($region: String!, $first: Int, $after: String, $last: Int, $before: String) {
    ordersV2(
      where: { region: { eq: $region } }
      orderBy: [{ total_amount: DESC }]
      first: $first
      after: $after
      last: $last
      before: $before
    ) {
      totalCount
      edges {
        cursor
        node {
          order_id
          order_date
          status
          total_amount
          currency
          email
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`);

/** One order by its key, with its customer (a relationship from the row): null when the caller may not see it. */
export const OrderDetail = graphql(`
  query OrderDetail($orderId: BigInt!) {
    ordersV2ByKey(order_id: $orderId) {
      order_id
      order_date
      status
      total_amount
      currency
      notes
      customer {
        customer_id
        name
        country
      }
    }
  }
`);
