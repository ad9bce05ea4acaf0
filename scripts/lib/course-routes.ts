// The course's routes as one table of cases: what a client sends (host,
// path, scheme) and what must answer (the backend Service, the path it must
// receive, text of its answer). The same table is checked by the course
// suite, by grading (hosts renamed per submission) and by every edge that
// serves the course's routes.

/** The title of the blog list page (apps/myblog/blog/templates/blog/index.html). */
export const BLOG_LIST = '我的博客列表';

/** One route: what a client sends, and what must answer. */
export interface RouteCase {
  host: string;
  path: string;
  scheme: 'http' | 'https';
  /** the Service whose pods must answer */
  backend: string;
  /** the path the backend must say it received (the stand-ins and myblog report it) */
  received?: string;
  /** text the answer's body must hold */
  contains?: string;
}

export interface CourseRoute extends RouteCase {
  /** the lab that defines it (manifests/NN-name) */
  lab: string;
  /** the namespace of its Ingress and backend: the course's luffy or default */
  namespace: 'luffy' | 'default';
  /** what the course says of it, as a check title */
  title: string;
}

export const COURSE_ROUTES: CourseRoute[] = [
  {
    lab: '40-ingress-myblog',
    namespace: 'luffy',
    title: 'Host myblog.luffy.com serves the blog list over HTTP from myblog',
    host: 'myblog.luffy.com',
    path: '/blog/index/',
    scheme: 'http',
    backend: 'myblog',
    received: '/blog/index/',
    contains: BLOG_LIST,
  },
  {
    lab: '40-ingress-myblog',
    namespace: 'luffy',
    title: "SNI myblog.luffy.com gets the certificate of the Ingress's Secret, and HTTPS serves the blog list",
    host: 'myblog.luffy.com',
    path: '/blog/index/',
    scheme: 'https',
    backend: 'myblog',
    received: '/blog/index/',
    contains: BLOG_LIST,
  },
  {
    lab: '50-bookstore',
    namespace: 'default',
    title: 'bookstore.luffy.com/details/0 reaches details with the path unchanged',
    host: 'bookstore.luffy.com',
    path: '/details/0',
    scheme: 'http',
    backend: 'details',
    received: '/details/0',
    contains: '"author"',
  },
  {
    lab: '50-bookstore',
    namespace: 'default',
    title: 'bookstore.luffy.com/reviews/0 reaches reviews with the path unchanged',
    host: 'bookstore.luffy.com',
    path: '/reviews/0',
    scheme: 'http',
    backend: 'reviews',
    received: '/reviews/0',
    contains: '"reviews"',
  },
  {
    lab: '50-bookstore',
    namespace: 'default',
    title: 'the rewrite sends bookstore.luffy.com/api/reviews/7 to reviews as /reviews/7',
    host: 'bookstore.luffy.com',
    path: '/api/reviews/7',
    scheme: 'http',
    backend: 'reviews',
    received: '/reviews/7',
    contains: '"reviews"',
  },
];
