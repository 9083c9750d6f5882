/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query OrdersPage($region: String!, $first: Int, $after: String, $last: Int, $before: String) {\n    ordersV2(\n      where: { region: { eq: $region } }\n      orderBy: [{ total_amount: DESC }]\n      first: $first\n      after: $after\n      last: $last\n      before: $before\n    ) {\n      totalCount\n      edges {\n        cursor\n        node {\n          order_id\n          order_date\n          status\n          total_amount\n          currency\n          email\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": typeof types.OrdersPageDocument,
    "\n  query OrderDetail($orderId: BigInt!) {\n    ordersV2ByKey(order_id: $orderId) {\n      order_id\n      order_date\n      status\n      total_amount\n      currency\n      notes\n      customer {\n        customer_id\n        name\n        country\n      }\n    }\n  }\n": typeof types.OrderDetailDocument,
};
const documents: Documents = {
    "\n  query OrdersPage($region: String!, $first: Int, $after: String, $last: Int, $before: String) {\n    ordersV2(\n      where: { region: { eq: $region } }\n      orderBy: [{ total_amount: DESC }]\n      first: $first\n      after: $after\n      last: $last\n      before: $before\n    ) {\n      totalCount\n      edges {\n        cursor\n        node {\n          order_id\n          order_date\n          status\n          total_amount\n          currency\n          email\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": types.OrdersPageDocument,
    "\n  query OrderDetail($orderId: BigInt!) {\n    ordersV2ByKey(order_id: $orderId) {\n      order_id\n      order_date\n      status\n      total_amount\n      currency\n      notes\n      customer {\n        customer_id\n        name\n        country\n      }\n    }\n  }\n": types.OrderDetailDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrdersPage($region: String!, $first: Int, $after: String, $last: Int, $before: String) {\n    ordersV2(\n      where: { region: { eq: $region } }\n      orderBy: [{ total_amount: DESC }]\n      first: $first\n      after: $after\n      last: $last\n      before: $before\n    ) {\n      totalCount\n      edges {\n        cursor\n        node {\n          order_id\n          order_date\n          status\n          total_amount\n          currency\n          email\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql.js').OrdersPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrderDetail($orderId: BigInt!) {\n    ordersV2ByKey(order_id: $orderId) {\n      order_id\n      order_date\n      status\n      total_amount\n      currency\n      notes\n      customer {\n        customer_id\n        name\n        country\n      }\n    }\n  }\n"): typeof import('./graphql.js').OrderDetailDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
